//! Registry invariants and the option-docs round trip.
