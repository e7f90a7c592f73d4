"""kamerstroom's common package: schema, settings, logging, messaging and HTTP plumbing.

Dependencies point inward: nothing here imports a service.
"""
