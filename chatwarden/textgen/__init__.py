"""Seeded chat text generators and evasion tricks: used by the demo, the simulator, the benches and
the trainer. Imports nothing else of chatwarden; never imports training."""
