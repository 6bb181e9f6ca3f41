//! Organisation kinds (docs/ODD.md, section 2).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of an organisation in a local welfare system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The public body that manages local socio-welfare services (consortium or city).
    EnteGestore,
    /// Other public bodies: municipalities, health authorities, schools.
    Public,
    /// Social cooperatives, associations, volunteer groups, foundations.
    ThirdSector,
    /// Locally rooted firms.
    Firm,
    /// Anything else.
    Other,
}

impl Kind {
    /// Every kind, in the fixed order used by tables and outputs.
    pub const ALL: [Kind; 5] = [
        Kind::EnteGestore,
        Kind::Public,
        Kind::ThirdSector,
        Kind::Firm,
        Kind::Other,
    ];
    /// Number of kinds.
    pub const COUNT: usize = 5;

    /// Position of the kind in [`Kind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in files and outputs (`ente_gestore`, `public`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::EnteGestore => "ente_gestore",
            Kind::Public => "public",
            Kind::ThirdSector => "third_sector",
            Kind::Firm => "firm",
            Kind::Other => "other",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for a kind name that is not one of [`Kind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown organisation kind `{0}` (expected one of ente_gestore, public, third_sector, firm, other)"
)]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// A value for each kind, indexed by [`Kind::index`]; reads as a TOML table keyed by kind name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerKind<T> {
    /// Value for `ente_gestore`.
    pub ente_gestore: T,
    /// Value for `public`.
    pub public: T,
    /// Value for `third_sector`.
    pub third_sector: T,
    /// Value for `firm`.
    pub firm: T,
    /// Value for `other`.
    pub other: T,
}

impl<T: Default> Default for PerKind<T> {
    fn default() -> Self {
        PerKind {
            ente_gestore: T::default(),
            public: T::default(),
            third_sector: T::default(),
            firm: T::default(),
            other: T::default(),
        }
    }
}

impl<T: Copy> PerKind<T> {
    /// The same value for every kind.
    pub fn splat(v: T) -> Self {
        PerKind {
            ente_gestore: v,
            public: v,
            third_sector: v,
            firm: v,
            other: v,
        }
    }

    /// The value for one kind.
    pub fn get(&self, k: Kind) -> T {
        match k {
            Kind::EnteGestore => self.ente_gestore,
            Kind::Public => self.public,
            Kind::ThirdSector => self.third_sector,
            Kind::Firm => self.firm,
            Kind::Other => self.other,
        }
    }

    /// Mutable access to the value for one kind.
    pub fn get_mut(&mut self, k: Kind) -> &mut T {
        match k {
            Kind::EnteGestore => &mut self.ente_gestore,
            Kind::Public => &mut self.public,
            Kind::ThirdSector => &mut self.third_sector,
            Kind::Firm => &mut self.firm,
            Kind::Other => &mut self.other,
        }
    }

    /// The values in [`Kind::ALL`] order.
    pub fn to_array(&self) -> [T; Kind::COUNT] {
        Kind::ALL.map(|k| self.get(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(k.name().parse::<Kind>().unwrap(), k);
            assert_eq!(Kind::ALL[k.index()], k);
        }
        assert!("charity".parse::<Kind>().is_err());
    }
}
