"""The benchmark harness behind ``hocba bench``: each stage of hocba timed against the bare
library doing the same work in the same run (issue #7; figures in docs/performance.md)."""
