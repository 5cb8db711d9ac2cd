"""What the library's people and brands say, one module per shape of :mod:`..shapes`.

Synthetic data for testing, not real posts: every brand, author and text here is fictional,
written for listener. A shape reads its module as ``words``.
"""
