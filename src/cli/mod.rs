//! cli
/// Entry point of the `wecare` binary; returns the exit code.
pub fn main() -> i32 {
    0
}
