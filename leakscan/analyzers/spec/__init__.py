"""OpenAPI/Swagger documents: what a spec declares, exposes and leaks."""
