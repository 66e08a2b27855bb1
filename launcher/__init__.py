"""Starts the whole assistant: action server, Rasa server and desk (``python -m launcher``)."""
