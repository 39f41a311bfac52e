"""Publish: what leaves the warehouse for readers (the app's serving copy)."""
