using Vigil.Bench;

// Modes of the benchmark harness; bench/run.sh runs them in order. Every mode exits non-zero on any failure.
try
{
    var (mode, options) = Options.Parse(args);
    return mode switch
    {
        "sqlite" => PlainInsert.Run(options),
        "pg-copy" => PgCopy.Run(options),
        "pg-database" => PgDatabase.Run(options),
        "kafka-produce" => await KafkaProduce.RunAsync(options),
        "http" => await HttpLoad.RunAsync(options),
        "grpc" => await GrpcLoad.RunAsync(options),
        "e2e-throughput" => await E2eThroughput.RunAsync(options),
        "e2e-latency" => await E2eLatency.RunAsync(options),
        "bare" => await BareServer.RunAsync(options),
        "setup" => await Setup.RunAsync(options),
        "wait" => await Setup.WaitAsync(options),
        "count" => Setup.Count(options),
        "freeport" => Setup.FreePort(),
        _ => Usage(),
    };
}
catch (BenchException e)
{
    await Console.Error.WriteLineAsync($"vigil-bench: FAILED: {e.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet Vigil.Bench.dll <mode> [--option value ...]
          sqlite   --data-dir D [--seconds 20] [--warmup 5] [--batch 1000] [--rows-per-statement 100] [--patients 200] [--rows reading|vigil]
                   plain batched insert into the product's readings table with the product's pragmas
          pg-copy  --connection-string CS [--seconds 20] [--warmup 5] [--batch 1000] [--patients 200]
                   plain binary COPY of the same rows into readings of a fresh database (created on the server CS names,
                   migrated with Vigil's PostgreSQL schema, dropped afterwards), one COPY and commit per batch
          pg-database --connection-string CS (--create PREFIX | --drop NAME)
                   creates PREFIX_<random> and prints its connection string, or drops NAME
          kafka-produce --bootstrap HOST:PORT [--client-config "k=v;k=v"] [--prefix bench-raw-] [--seconds 20] [--warmup 5]
                   [--batch 1000] [--patients 200] [--partitions 12]
                   the relay's readings.raw messages for the same readings, sent by one plain producer with Vigil's
                   producer settings, a batch at a time until every delivery is reported
          http     --url http://127.0.0.1:PORT --key-file F [--clients 4] [--seconds 20] [--warmup 5] [--batch 1000] [--patients 200]
                   [--format json|fhir]
                   batched POST /api/v1/readings load; counts only 202s, fails on anything else; --format fhir posts the
                   same readings to POST /fhir as transaction Bundles and counts 200s with every entry created
          grpc     --url http://127.0.0.1:GRPC_PORT --key-file F [--clients 4] [--seconds 20] [--warmup 5] [--stream-readings 20000]
                   [--per-message 100] [--patients 200]
                   client-streaming vigil.v1.IngestService/Ingest load over h2c; counts streams all accepted, fails on anything else
          e2e-throughput --url U --key-file F --data-dir D [--clients 4] [--seconds 20] [--warmup 5] [--batch 1000] [--patients 200]
                   [--poll-ms 150] [--timeout 900] [--connection-string CS]
                   batched load, then one closing reading per patient; readings/s from the first POST until every
                   acknowledged reading is in the 1-minute windows and every passed window is final (D/vigil.db read-only,
                   or with --connection-string the distributed mode's PostgreSQL database)
          e2e-latency --url U --key-file F [--rate 2000] [--batch 10] [--connections 4] [--seconds 20] [--warmup 5]
                   [--patients 200] [--probes 600] [--probe-every-ms 100] [--poll-ms 1]
                   steady background load plus breaching probes; probe latency = POST start until GET /api/v1/alerts lists the alert
          bare     --urls http://127.0.0.1:PORT
                   bare Kestrel minimal API: POST /api/v1/readings parsed with System.Text.Json, answers 202
          setup    --url U --data-dir D --key-out F [--patients 200] [--probes 0] [--customer bench]
                   waits for readiness, then creates customer, its admin key (written to F), patients p-000.. and probe-0000..
          wait     --url U/health/live [--timeout 60]
          count    --data-dir D   readings rows in D/vigil.db
          freeport prints a free TCP port on 127.0.0.1
        """);
    return 2;
}
