"""Live clients: the working side of registered vector, file and serverless connectors.

``store.connectors.open(connector_id)`` gives the client for the connector's type; each client
imports its provider's library (an extra of the package) when it is first opened.
"""

from integration_store.live.client import ConnectorClient

__all__ = ["ConnectorClient"]
