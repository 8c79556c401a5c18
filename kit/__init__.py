"""Pure helpers with no I/O for any layer: working calendar, rate limiter, retry, circuit breaker."""
