"""What a brand's windows hold: a brand's buckets, seen post keys and own posts (brand.py),
what one bucket of one step counts and quotes (bucket.py), the words and topics read from
each post (words.py), and the windows ending at the clock, summed as it moves (running.py)
and read by judging (walk.py)."""
