"""What a brand's windows hold: buckets of one step of posts (brand.py), the words and
topics read from each post (words.py), and the windows ending at the clock, summed as it
moves (running.py) and read by judging (walk.py)."""
