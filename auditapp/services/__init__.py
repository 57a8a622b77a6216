"""The writes and queries the views and the CLI call; services own every commit."""
