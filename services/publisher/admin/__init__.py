"""The publisher's admin HTTP API (webhook endpoints) and its OpenAPI document."""
