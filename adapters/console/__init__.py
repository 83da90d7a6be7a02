"""The local console: a real chat backend and the end-to-end test harness."""
