//! Typed indices into a scenario's providers and carriers, so a provider
//! can never be passed where a carrier is meant. Both are dense (0..n), in
//! the order the scenario file declares them.

use std::fmt;

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(usize);

        impl $name {
            pub const fn new(index: usize) -> Self {
                $name(index)
            }

            /// The position in the scenario's list (and in metrics arrays).
            pub const fn index(self) -> usize {
                self.0
            }

            /// Every id of a list of `count`, in order.
            pub fn all(count: usize) -> impl Iterator<Item = $name> {
                (0..count).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}#{}", stringify!($name), self.0)
            }
        }
    };
}

index_type!(
    /// A provider of the scenario (`[providers.NAME]`).
    ProviderId
);
index_type!(
    /// A carrier of the scenario (`[carriers.NAME]`).
    CarrierId
);
