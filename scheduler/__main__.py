"""`python -m scheduler`: the reminder and outbox worker."""
from scheduler.worker import main

main()
