using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace AcWs.Results;

// The results JSON acServer writes to results/YYYY_M_D_H_M_TYPE.json, one record per object and one
// property per key, named as in the file. Missing keys read as null/0, unknown keys are ignored.

public sealed record ResultDriver(
    [property: JsonPropertyName("Name")] string? Name,
    [property: JsonPropertyName("Team")] string? Team,
    [property: JsonPropertyName("Nation")] string? Nation,
    [property: JsonPropertyName("Guid")] string? Guid);

public sealed record ResultCar(
    [property: JsonPropertyName("CarId")] int CarId,
    [property: JsonPropertyName("Driver")] ResultDriver? Driver,
    [property: JsonPropertyName("Model")] string? Model,
    [property: JsonPropertyName("Skin")] string? Skin,
    [property: JsonPropertyName("BallastKG")] int BallastKG,
    [property: JsonPropertyName("Restrictor")] int Restrictor);

public sealed record ResultRow(
    [property: JsonPropertyName("DriverName")] string? DriverName,
    [property: JsonPropertyName("DriverGuid")] string? DriverGuid,
    [property: JsonPropertyName("CarId")] int CarId,
    [property: JsonPropertyName("CarModel")] string? CarModel,
    [property: JsonPropertyName("BestLap")] long BestLap,
    [property: JsonPropertyName("TotalTime")] long TotalTime,
    [property: JsonPropertyName("BallastKG")] int BallastKG,
    [property: JsonPropertyName("Restrictor")] int Restrictor)
{
    /// <summary>acServer's BestLap for a driver who never set a lap.</summary>
    public const long NoLap = 999999999;

    /// <summary>Finished with a time and a lap; DNFs, disconnects and no-shows are not.</summary>
    [JsonIgnore] public bool Classified => TotalTime > 0 && BestLap != NoLap;
    /// <summary>An empty slot of the server: nobody drove the car.</summary>
    [JsonIgnore] public bool Empty => string.IsNullOrWhiteSpace(DriverName) && string.IsNullOrWhiteSpace(DriverGuid);
}

public sealed record ResultLap(
    [property: JsonPropertyName("DriverName")] string? DriverName,
    [property: JsonPropertyName("DriverGuid")] string? DriverGuid,
    [property: JsonPropertyName("CarId")] int CarId,
    [property: JsonPropertyName("CarModel")] string? CarModel,
    [property: JsonPropertyName("Timestamp")] long Timestamp,
    [property: JsonPropertyName("LapTime")] long LapTime,
    [property: JsonPropertyName("Cuts")] int Cuts,
    [property: JsonPropertyName("Tyre")] string? Tyre);

public sealed record ResultEvent(
    [property: JsonPropertyName("Type")] string? Type,
    [property: JsonPropertyName("CarId")] int CarId,
    [property: JsonPropertyName("Driver")] ResultDriver? Driver,
    [property: JsonPropertyName("OtherCarId")] int OtherCarId,
    [property: JsonPropertyName("OtherDriver")] ResultDriver? OtherDriver,
    [property: JsonPropertyName("ImpactSpeed")] double ImpactSpeed);

public sealed record RaceResult(
    [property: JsonPropertyName("TrackName")] string? TrackName,
    [property: JsonPropertyName("TrackConfig")] string? TrackConfig,
    [property: JsonPropertyName("Type")] string? Type,
    [property: JsonPropertyName("DurationSecs")] long DurationSecs,
    [property: JsonPropertyName("RaceLaps")] int RaceLaps,
    [property: JsonPropertyName("Cars")] IReadOnlyList<ResultCar>? Cars,
    [property: JsonPropertyName("Result")] IReadOnlyList<ResultRow>? Result,
    [property: JsonPropertyName("Laps")] IReadOnlyList<ResultLap>? Laps,
    [property: JsonPropertyName("Events")] IReadOnlyList<ResultEvent>? Events)
{
    public const string Race = "RACE";

    [JsonIgnore] public bool IsRace => string.Equals(Type, Race, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a results file; on failure returns the reason (for "&lt;file&gt; parse FAILED: &lt;reason&gt;"), never throws.
    /// Without <paramref name="lapsAndEvents"/> the Laps and Events arrays (most of a big file) are checked but not kept.
    /// </summary>
    public static (RaceResult? Result, string? Error) Parse(ReadOnlySpan<byte> bytes, bool lapsAndEvents = true)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        try
        {
            var result = JsonSerializer.Deserialize(bytes, lapsAndEvents ? ResultsJson.Default.RaceResult : WithoutLapsAndEvents);
            if (result is null) return (null, "the file holds null, not a results object");
            return (result, null);
        }
        catch (JsonException e)
        {
            // The runtime's own message is a bare resource key in this trimmed build: say it in words.
            string where = e.LineNumber is long line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            string what = e.Path is { Length: > 1 } path ? $" (in {path})" : "";
            return (null, $"not valid results JSON{where}{what}");
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8 surfaces here rather than as a JsonException.
            return (null, "not valid UTF-8 text");
        }
    }

    /// <summary>The same reader, but Laps and Events are skipped over as they are read rather than built.</summary>
    static readonly JsonTypeInfo<RaceResult> WithoutLapsAndEvents = (JsonTypeInfo<RaceResult>)new JsonSerializerOptions(ResultsJson.Default.Options)
    {
        TypeInfoResolver = ResultsJson.Default.WithAddedModifier(info =>
        {
            if (info.Type != typeof(RaceResult)) return;
            foreach (var property in info.Properties)
            {
                if (property.Name == "Laps") property.CustomConverter = new Skipped<IReadOnlyList<ResultLap>>();
                if (property.Name == "Events") property.CustomConverter = new Skipped<IReadOnlyList<ResultEvent>>();
            }
        }),
    }.GetTypeInfo(typeof(RaceResult));

    sealed class Skipped<T> : JsonConverter<T> where T : class
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            reader.Skip();
            return null;
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteNullValue();
    }
}

/// <summary>The source-generated reader for results files (no reflection); names come from the records above.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    // Read, never written: no generated writers.
    GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(RaceResult))]
public sealed partial class ResultsJson : JsonSerializerContext;
