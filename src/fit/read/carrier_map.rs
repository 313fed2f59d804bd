//! Number prefix → carrier (being written on a branch).

/// Longest-prefix table from number prefixes to carrier names.
#[derive(Debug, Clone, Default)]
pub struct CarrierMap;

impl CarrierMap {
    pub fn carrier_of(&self, _number: &str) -> Option<&str> {
        None
    }
}
impl CarrierMap {
    pub fn load(_path: &std::path::Path) -> Result<CarrierMap, super::ReadError> {
        Ok(CarrierMap)
    }
}
