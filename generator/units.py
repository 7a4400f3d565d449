"""Time units of the generator's numbers: dates are day numbers and timestamps are
microseconds since 1970-01-01 (UTC), the way Arrow stores them."""

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
