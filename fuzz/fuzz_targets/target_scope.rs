#![no_main]
//! Target parsing and the scope decision (secmcp_fuzz::policy).
libfuzzer_sys::fuzz_target!(|data: &[u8]| secmcp_fuzz::policy::check(data));
