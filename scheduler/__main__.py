"""`python -m scheduler`: the reminder and outbox worker."""
from app import create_app
from scheduler.worker import main

main(create_app)
