"""What a page shows: read models over the rows commands write. Nothing here writes.

inbox, queries   the officials' inbox (mine, my groups'), filters and pages
case_views       the case page, the task page, my cases, the diagram with the path taken
mailbox          notifications kept for users without e-mail
"""
