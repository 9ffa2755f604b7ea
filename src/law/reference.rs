//! [`LawRef`]: a copyable handle on a family, stored in configurations and saved fits by name.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Family, chinchilla::Chinchilla, family};
use crate::error::Error;

/// A family, as a configuration holds it: `Copy`, compared by name, serialised as its name
/// (`"chinchilla"`), and Chinchilla by default, so that files written before there were other
/// families (which name none) load as Chinchilla fits.
///
/// It dereferences to the [`Family`], so `law.params()` works.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::LawRef;
/// let law = LawRef::named("chinchilla").unwrap();
/// assert_eq!(law, LawRef::default());
/// assert_eq!(law.params().len(), 5);
/// assert_eq!(serde_json::to_string(&law).unwrap(), "\"chinchilla\"");
/// ```
#[derive(Clone, Copy)]
pub struct LawRef(&'static dyn Family);

impl LawRef {
    /// The handle of `family`.
    pub fn new(family: &'static dyn Family) -> Self {
        LawRef(family)
    }

    /// The family named `name` (as given to `--law`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--law` and listing the known families.
    pub fn named(name: &str) -> Result<Self, Error> {
        family(name).map(LawRef)
    }

    /// The Chinchilla family.
    pub fn chinchilla() -> Self {
        LawRef(&Chinchilla)
    }

    /// The family.
    pub fn family(self) -> &'static dyn Family {
        self.0
    }

    /// Whether this is the Chinchilla family (which has a vectorised objective and closed-form
    /// answers of its own).
    pub fn is_chinchilla(self) -> bool {
        self.0.name() == Chinchilla.name()
    }
}

impl Default for LawRef {
    fn default() -> Self {
        Self::chinchilla()
    }
}

impl Deref for LawRef {
    type Target = dyn Family;

    fn deref(&self) -> &(dyn Family + 'static) {
        self.0
    }
}

impl PartialEq for LawRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for LawRef {}

impl fmt::Debug for LawRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LawRef({})", self.0.name())
    }
}

impl fmt::Display for LawRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl Serialize for LawRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for LawRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        LawRef::named(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_its_name_and_refuses_unknown_names() {
        let law: LawRef = serde_json::from_str("\"Chinchilla\"").unwrap();
        assert!(law.is_chinchilla());
        let err = serde_json::from_str::<LawRef>("\"gpt\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown law 'gpt'") && err.contains("chinchilla"),
            "{err}"
        );
        assert_eq!(format!("{law}"), "chinchilla");
    }
}
