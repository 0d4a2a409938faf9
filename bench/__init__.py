"""botfactory's benchmarks: botfactory and its peers side by side in one run, reported as ratios (issue 9).

``python -m bench`` (``make bench``) or ``python -m bench --quick`` (``make bench-quick``); see README.md.
"""
