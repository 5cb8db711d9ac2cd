"""listener: streaming social listening and crisis alerting."""
