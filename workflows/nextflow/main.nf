#!/usr/bin/env nextflow
/*
 * genoenc as a Nextflow (DSL2) pipeline:
 *
 *   TOKENIZE -> TRAIN_FULL, TRAIN_ARM, TRAIN_AE (one task per grid cell) -> COMPARE -> REPORT
 *
 * The same steps and the same `genoenc` command lines as workflows/snakemake/Snakefile; the
 * params (nextflow.config) mirror workflows/snakemake/config.yaml, which also works here:
 *
 *   nextflow run workflows/nextflow/main.nf -profile local
 *   nextflow run workflows/nextflow/main.nf -profile slurm -params-file my-sweep.yaml
 *
 * Run directories are published flat to ${params.out}/runs/DATASET-TOKENIZER-ARM-seedS, the
 * comparison and the report to ${params.out}.
 *
 * NOT RUN HERE: Nextflow could not be installed where this pipeline was written (its launcher
 * downloads its jar from the internet). tests/workflows/test_nextflow_commands.py extracts
 * every `genoenc` command line of the process scripts below, fills them in from these params
 * and runs them in the pipeline's order, so the commands are known to work; the channel
 * logic of the workflow block is mirrored there, not executed.
 *
 * Each script holds one `genoenc` command with ${...} placeholders only (no Groovy logic), so
 * that test can run it: conditional options are separate processes instead.
 */

nextflow.enable.dsl = 2

process TOKENIZE {
    tag "${dataset}/${tokenizer}"
    cpus 1
    memory "${params.mem_mb} MB"
    time "${params.runtime_min}m"

    input:
    tuple val(dataset), val(option), path(source), val(tokenizer), val(k), val(stride)

    output:
    tuple val(dataset), val(tokenizer), val(k), val(stride), path("store")

    script:
    """
    ${params.genoenc} tokenize --${option} ${source} --k ${k} --stride ${stride} -o store
    """
}

process TRAIN_FULL {
    tag "${run}"
    cpus params.threads
    memory "${params.mem_mb} MB"
    time "${params.runtime_min}m"
    publishDir "${params.out}/runs", mode: 'copy'

    input:
    tuple val(dataset), val(tokenizer), val(k), val(stride), path(store), val(seed), val(run)

    output:
    tuple val(dataset), val(tokenizer), val(seed), path("${run}")

    script:
    """
    OMP_NUM_THREADS=${task.cpus} ${params.genoenc} train --tokens ${store} --k ${k} --stride ${stride} --strategy full --seed ${seed} ${params.train_args} --out ${run}
    """
}

// Arms that need no other run: learned, and autoencoders of a random or one-hot table.
process TRAIN_ARM {
    tag "${run}"
    cpus params.threads
    memory "${params.mem_mb} MB"
    time "${params.runtime_min}m"
    publishDir "${params.out}/runs", mode: 'copy'

    input:
    tuple val(dataset), val(tokenizer), val(k), val(stride), path(store), val(seed), val(strategy), val(ratio), val(run)

    output:
    path("${run}")

    script:
    """
    OMP_NUM_THREADS=${task.cpus} ${params.genoenc} train --tokens ${store} --k ${k} --stride ${stride} --strategy ${strategy} --ratio ${ratio} --seed ${seed} ${params.train_args} --out ${run}
    """
}

// Autoencoder arms that compress the trained full arm's table: the full run of the same
// dataset, tokenizer and seed is staged in and passed as --source-run.
process TRAIN_AE {
    tag "${run}"
    cpus params.threads
    memory "${params.mem_mb} MB"
    time "${params.runtime_min}m"
    publishDir "${params.out}/runs", mode: 'copy'

    input:
    tuple val(dataset), val(tokenizer), val(k), val(stride), path(store), val(seed), val(strategy), val(ratio), val(run), path(full_run)

    output:
    path("${run}")

    script:
    """
    OMP_NUM_THREADS=${task.cpus} ${params.genoenc} train --tokens ${store} --k ${k} --stride ${stride} --strategy ${strategy} --ratio ${ratio} --seed ${seed} --source-run ${full_run} ${params.train_args} --out ${run}
    """
}

process COMPARE {
    cpus 1
    memory "${params.mem_mb} MB"
    publishDir "${params.out}", mode: 'copy'

    input:
    path(runs)

    output:
    path("compare.json"), emit: json
    path("compare.txt"), emit: table

    script:
    """
    ${params.genoenc} compare ${runs} --margin ${params.margin} --json compare.json > compare.txt
    """
}

process REPORT {
    cpus 1
    memory "${params.mem_mb} MB"
    publishDir "${params.out}", mode: 'copy'

    input:
    path(runs)
    path(compare_json)

    output:
    path("report*")

    script:
    """
    ${params.genoenc} report ${runs} --margin ${params.margin} --title "genoenc report: ${params.out}" -o report.html
    """
}

workflow {
    // datasets: name -> [fasta: FILE] (or fastq/bam; a bare path means FASTA)
    def datasets = params.datasets.collect { name, spec ->
        def entry = spec instanceof Map ? spec.entrySet().first() : [key: 'fasta', value: spec]
        tuple(name, entry.key, file(entry.value, checkIfExists: true))
    }
    // tokenizers: [k: K, stride: S] -> label kKsS (stride defaults to k)
    def tokenizers = params.tokenizers.collect { t ->
        def k = t.k as int
        def stride = (t.stride ?: t.k) as int
        tuple("k${k}s${stride}", k, stride)
    }
    def table = (params.train_args =~ /--source-table[ =](\S+)/)
    def sourceTable = table.find() ? table.group(1) : 'full'
    def needsFull = { String s -> s.startsWith('autoencoder') && sourceTable == 'full' }
    def wantFull = params.strategies.contains('full') || params.strategies.any { needsFull(it) }
    def arms = params.strategies.findAll { it != 'full' }
        .collectMany { s -> params.ratios.collect { r -> tuple(s, r as int) } }

    stores = TOKENIZE(Channel.fromList(datasets).combine(Channel.fromList(tokenizers)))
    // [dataset, tokenizer, k, stride, store, seed]
    cells = stores.combine(Channel.fromList(params.seeds))

    full = TRAIN_FULL(
        cells.filter { wantFull }
            .map { d, t, k, st, store, seed -> tuple(d, t, k, st, store, seed, "${d}-${t}-full-seed${seed}") }
    )
    armCells = cells.combine(Channel.fromList(arms))
        .map { d, t, k, st, store, seed, strategy, ratio ->
            tuple(d, t, k, st, store, seed, strategy, ratio, "${d}-${t}-${strategy}-r${ratio}-seed${seed}")
        }
        .branch {
            ae: needsFull(it[6])
            other: true
        }
    plain = TRAIN_ARM(armCells.other)
    aeInputs = armCells.ae
        .map { cell -> tuple([cell[0], cell[1], cell[5]], cell) }
        .combine(full.map { d, t, seed, run -> tuple([d, t, seed], run) }, by: 0)
        .map { key, cell, fullRun -> cell + [fullRun] }
    ae = TRAIN_AE(aeInputs)

    runs = full.map { it[3] }.mix(plain, ae).collect()
    compared = COMPARE(runs)
    REPORT(runs, compared.json)
}
