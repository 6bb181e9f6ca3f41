//! `Clone` implementations whose `clone_from` reuses the target's allocations field by field.
//!
//! A derived `Clone` implements `clone_from` as a fresh `clone`, so copying the initial state
//! into a replicate's state would allocate every vector again. The replicate state is reset
//! from the model's initial state once per replicate; with these implementations the reset
//! copies into the buffers of the previous replicate on the same thread.

/// Implements `Clone` for a struct with named fields, `clone_from` delegating to each field's
/// `clone_from`. Every field must be listed: a missing one is a compile error in `clone`.
macro_rules! clone_reusing {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Clone for $t {
            fn clone(&self) -> Self {
                $t { $($f: self.$f.clone()),* }
            }

            fn clone_from(&mut self, source: &Self) {
                $(self.$f.clone_from(&source.$f);)*
            }
        }
    };
}
