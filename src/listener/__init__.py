"""listener: streaming social listening and crisis alerting."""

from listener import native as _native

# Before any of the compiled modules is imported (listener/native/).
_native.install()
