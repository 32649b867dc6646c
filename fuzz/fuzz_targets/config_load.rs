#![no_main]
//! The config loader: YAML/JSON text layered with an environment (secmcp_fuzz::config).
libfuzzer_sys::fuzz_target!(|data: &[u8]| secmcp_fuzz::config::check(data));
