"""The SPARQL 1.1 service: protocol, content negotiation, a pool of killable query workers, the
service description, durable updates and the Graph Store HTTP Protocol. See docs/sparql.md."""
