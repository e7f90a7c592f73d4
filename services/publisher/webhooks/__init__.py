"""Webhooks: endpoint registry, filters, Standard Webhooks signing, SSRF guard, delivery."""
