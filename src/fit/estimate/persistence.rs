//! Persistence (stand-in until the estimator lands from its branch).
use crate::stats::{Estimate, wilson};

#[derive(Debug, Clone, Default)]
pub struct Tally {
    n: u64,
    k: u64,
    numbers: u64,
    repeated: u64,
}

#[derive(Debug, Clone)]
pub struct Persistence {
    pub per_number: Estimate,
    pub per_message: Estimate,
    pub total: Estimate,
    pub numbers: u64,
    pub messages: u64,
    pub repeated_numbers: u64,
    pub identifiable: bool,
}

impl Tally {
    pub fn add(&mut self, n: u32, k: u32) {
        self.n += u64::from(n);
        self.k += u64::from(k);
        self.numbers += 1;
        self.repeated += u64::from(n > 1);
    }
    pub fn fit(&self) -> Persistence {
        Persistence {
            per_number: Estimate::exact(0.0),
            per_message: wilson(self.k, self.n),
            total: wilson(self.k, self.n),
            numbers: self.numbers,
            messages: self.n,
            repeated_numbers: self.repeated,
            identifiable: false,
        }
    }
}
