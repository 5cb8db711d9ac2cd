"""The rules directory as files: each YAML file read with its line numbers, checked against
its schema, durations parsed, and every problem refused at load with its file and key.

``loader.load_rules`` reads the directory and returns the checked
:class:`listener.rules.ruleset.RuleSet` the rest of listener works with.
"""
