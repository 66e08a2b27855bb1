"""The Rasa assistant's own Python: pipeline components and input channels (loaded by Rasa)."""
