"""kamerstroom's composition root: the CLI and the wiring of the three services.

This is the one package that imports every service; services never import each other.
"""
