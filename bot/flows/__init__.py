"""The conversation's steps, one function per state; bot/conversation.py puts them in one table."""
