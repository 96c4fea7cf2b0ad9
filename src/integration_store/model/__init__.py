"""Domain objects: frozen attrs value classes with upstream's fields, defaults and dict shapes."""
