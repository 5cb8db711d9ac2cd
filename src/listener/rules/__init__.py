"""The rules directory: brands, owners and alert rules, loaded and checked once, then
evaluated as pure functions of window figures and event time.

``files.loader.load_rules`` reads and validates the YAML, ``conditions`` compiles the conditions,
``engine.step`` decides whether a rule fires.
"""
