"""Business rules: plain functions taking the actor as an argument; they commit once."""
