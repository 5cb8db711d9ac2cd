"""One folder per kind of source: its configuration and how its documented API becomes
posts. :mod:`listener.connectors.registry` names them all."""
