#![no_main]
//! extra_args tokenising (secmcp_fuzz::tokens).
libfuzzer_sys::fuzz_target!(|data: &[u8]| secmcp_fuzz::tokens::check(data));
