//! `simsms load`: drive a real SMPP or HTTP endpoint with the scenario's
//! traffic and report what it measured in `run`'s format, or write one
//! shard's partial result (docs/load.md). Arguments: `load_args.rs`.

use crate::Error;
use crate::load::partial::{MergedLoad, Setup, document};
use crate::output::write_output;
use crate::protocol::target::Protocol;
use crate::scenario::{self, Settings};
use crate::shard::Recipe;
use std::sync::Arc;

pub fn load(args: super::load_args::LoadArgs) -> Result<u8, Error> {
    let source = args.file.display().to_string();
    let settings = Settings {
        sets: args.set.clone(),
        ..Settings::default()
    };
    let text = scenario::read(&args.file)?;
    let mut sc = Arc::new(settings.apply(&text, &source)?);
    args.check_paths(&sc)?;
    let options = args.options(&sc, &source)?;
    // The report's MESSAGE BODIES table shows what was sent (`--body`).
    Arc::make_mut(&mut sc).providers[options.provider.index()].body =
        Some(options.text.body.clone());
    let (target, provider, shape, wait, shard) = (
        options.target.clone(),
        options.provider,
        options.shape,
        options.wait,
        options.shard,
    );
    let live = options.live.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let progress_done = tokio_util::sync::CancellationToken::new();
    let progress = {
        let _entered = runtime.enter();
        live.stop_on_ctrl_c();
        live.show_progress(progress_done.clone())
    };
    let end_progress = || {
        progress_done.cancel();
        if let Some(task) = progress {
            let _ = runtime.block_on(task);
        }
    };
    let mut setup = Setup {
        target: target.display(),
        http: target.protocol == Protocol::Http,
        note: "one message per arrival".into(),
        // What every shard of one run must share.
        traffic: vec![format!(
            "{shape:?} to {provider:?}, otp {} at {}",
            args.otp, args.speed
        )],
    };
    let (metrics, measured) = if args.otp {
        let part = crate::load::schedule::Part::whole(shard);
        let planned = crate::load::schedule::Schedule::new(&sc, shape, part);
        let session = crate::load::otp::Sessions {
            speed: args.speed,
            wait,
            live: &live,
            http: &options.callbacks,
            start: crate::load::start_of(options.start_at),
            shard: shard.is_some(),
        };
        let (binds, window) = (options.binds, options.window);
        let text = &options.text;
        let run = crate::load::otp::run(
            &sc, provider, &target, binds, window, planned, session, text,
        );
        let (metrics, figures) = runtime.block_on(run)?;
        setup.note = format!(
            "OTP sessions at {}x, driven by the model's session machine",
            args.speed
        );
        (metrics, Some(figures))
    } else {
        let measured = runtime.block_on(crate::load::run(sc.clone(), options))?;
        (measured.metrics.clone(), Some(measured))
    };
    end_progress();
    if let Some(records) = &live.records {
        records.finish()?;
    }
    // 130 after Ctrl-C (the partial results are written first).
    let interrupted = live.interrupted_at().is_some();
    if interrupted {
        setup
            .note
            .push_str("; INTERRUPTED by Ctrl-C: a partial report");
    }
    if let Some(shard) = shard {
        let recipe = Recipe {
            command: "load".into(),
            source: source.clone(),
            scenario_text: text,
            sets: args.set.clone(),
            seed: None,
            replications: None,
            alternatives: Vec::new(),
        };
        let doc = document(&recipe, shard, &setup, &metrics, measured.as_ref());
        write_output(&args.output, &crate::partial::part_text(&doc))?;
        eprintln!(
            "simsms: wrote load shard {}/{} of {source}",
            shard.index, shard.count
        );
        return Ok(if interrupted { 130 } else { 0 });
    }
    let merged = MergedLoad {
        scenario: Arc::unwrap_or_clone(sc),
        source,
        setup,
        metrics,
        measured,
    };
    let code = super::outputs::write_load_report(&merged, &args.output, &args.exports)?;
    Ok(if interrupted { 130 } else { code })
}
