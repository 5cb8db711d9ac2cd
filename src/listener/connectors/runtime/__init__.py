"""Running the connectors: the supervised loop of every lane and endpoint, publishing pages
to the raw topic, the durable checkpoints, and the metrics that tell a quiet brand from a
source that is down."""
