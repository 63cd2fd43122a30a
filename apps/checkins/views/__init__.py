"""Check-in views: small function views, selector → form → service → response.

Every page works without JavaScript (real forms, POST/redirect/GET); with htmx a
request gets just the region that changed. Invalid input re-renders with status 200
and the errors next to their fields; nothing is written.
"""
