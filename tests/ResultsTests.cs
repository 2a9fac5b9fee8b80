using System.Text;
using System.Text.Json;
using AcWs.Ini;
using AcWs.Results;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>Results JSON over the real files, and the order rules as plain functions.</summary>
public class ResultsTests
{
    public static IEnumerable<string> RealResultFiles() => Fixtures.ResultFiles();

    static byte[] Bytes(string file) => File.ReadAllBytes(Fixtures.Real("results/" + file));
    static RaceResult Race(string file) => RaceResult.Parse(Bytes(file)).Result!;

    /// <summary>An entry list with one [CAR_N] per car of a results file (N = CarId), in the Kunos key order.</summary>
    public static string EntryListFrom(string file, string nl = "\n", Func<JsonElement, bool>? keep = null)
    {
        using var json = JsonDocument.Parse(Bytes(file));
        var sb = new StringBuilder();
        foreach (var car in json.RootElement.GetProperty("Cars").EnumerateArray())
        {
            if (keep is not null && !keep(car)) continue;
            var driver = car.GetProperty("Driver");
            sb.Append($"[CAR_{car.GetProperty("CarId").GetInt32()}]{nl}MODEL={car.Str("Model")}{nl}SKIN={car.Str("Skin")}{nl}SPECTATOR_MODE=0{nl}")
              .Append($"DRIVERNAME={driver.Str("Name")}{nl}TEAM={driver.Str("Team")}{nl}GUID={driver.Str("Guid")}{nl}BALLAST=0{nl}RESTRICTOR=0{nl}{nl}");
        }
        return sb.ToString();
    }

    static IReadOnlyList<EntrySlot> Slots(string text) => EntryList.From(IniDocument.Parse(Encoding.UTF8.GetBytes(text), "cfg/entry_list.ini"));

    [Test]
    [MethodDataSource(nameof(RealResultFiles))]
    public async Task Every_real_results_file_parses_with_its_type_track_cars_and_rows(string file)
    {
        var (race, error) = RaceResult.Parse(Bytes(file));
        await Assert.That(error).IsNull();
        using var json = JsonDocument.Parse(Bytes(file));
        var root = json.RootElement;
        await Assert.That(race!.Type).IsEqualTo(root.Str("Type"));
        await Assert.That(race.IsRace).IsEqualTo(root.Str("Type") == "RACE");
        await Assert.That(race.TrackName).IsEqualTo(root.Str("TrackName"));
        await Assert.That(race.TrackConfig).IsEqualTo(root.Str("TrackConfig"));
        await Assert.That(race.Cars!.Count).IsEqualTo(root.GetProperty("Cars").GetArrayLength());
        await Assert.That(race.Result!.Count).IsEqualTo(root.GetProperty("Result").GetArrayLength());
        await Assert.That(race.Laps!.Count).IsEqualTo(root.GetProperty("Laps").GetArrayLength());
        // Some acServer versions write "Events": null when nothing happened.
        var events = root.GetProperty("Events");
        await Assert.That(race.Events?.Count).IsEqualTo(events.ValueKind == JsonValueKind.Null ? null : events.GetArrayLength());
        var first = root.GetProperty("Result")[0];
        await Assert.That(race.Result[0].DriverGuid).IsEqualTo(first.Str("DriverGuid"));
        await Assert.That(race.Result[0].BestLap).IsEqualTo(first.GetProperty("BestLap").GetInt64());
        await Assert.That(race.Cars[0].Driver!.Name).IsEqualTo(root.GetProperty("Cars")[0].GetProperty("Driver").Str("Name"));
    }

    [Test]
    public async Task A_bom_unknown_keys_and_missing_keys_are_fine_broken_json_is_a_reason()
    {
        byte[] bom = [0xEF, 0xBB, 0xBF, .. Bytes("justapenguin_2019_2_15_21_16_RACE.json")];
        await Assert.That(RaceResult.Parse(bom).Result!.Result!.Count).IsEqualTo(9);
        var sparse = RaceResult.Parse("""{"Type":"RACE","NewKey":{"a":[1]},"Result":[{"DriverName":"A"}]}"""u8).Result!;
        await Assert.That(sparse.Result![0].TotalTime).IsEqualTo(0);
        await Assert.That(sparse.Cars).IsNull();
        await Assert.That(RaceResult.Parse("{\"Type\":"u8).Error).IsNotNull();
        await Assert.That(RaceResult.Parse("null"u8).Error).IsNotNull();
        await Assert.That(RaceResult.Parse([0xFF, 0xFE, 0x00]).Error).IsNotNull();
    }

    [Test]
    public async Task File_names_give_date_and_type_with_single_digit_parts()
    {
        await Assert.That(ResultFiles.NameInfo("2019_2_15_21_8_QUALIFY.json")).IsEqualTo((new DateTime(2019, 2, 15, 21, 8, 0), "QUALIFY"));
        await Assert.That(ResultFiles.NameInfo("2020_12_20_20_58_RACE.json")).IsEqualTo((new DateTime(2020, 12, 20, 20, 58, 0), "RACE"));
        await Assert.That(ResultFiles.NameInfo("2019_13_1_1_1_RACE.json")).IsNull();
        await Assert.That(ResultFiles.NameInfo("2019_2_15_21_RACE.json")).IsNull();
        await Assert.That(ResultFiles.NameInfo("2019_2_15_21_123_RACE.json")).IsNull();
        await Assert.That(ResultFiles.NameInfo("duplicate.result.info.for.miguel.json")).IsNull();
    }

    static string[] Names(IEnumerable<ResultRow> rows) => [.. rows.Select(r => r.DriverName!)];

    [Test]
    public async Task Finish_puts_classified_first_then_dnfs_in_result_order()
    {
        var race = Race("justapenguin_2019_2_15_21_16_RACE.json");
        await Assert.That(Names(StartingGrid.Finishing(race))).IsEquivalentTo(
            ["Joseph Elton", "Callum Jones", "Henry Spencer", "Danny Wilson", "Lee Crossley", "Bradley Ward", "Jayan Mistry", "Warren Pilz", "Sebastian Townsend"],
            TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Names(StartingGrid.Finishing(race, int.MaxValue))).IsEquivalentTo(
            ["Callum Jones", "Joseph Elton", "Henry Spencer", "Danny Wilson", "Lee Crossley", "Bradley Ward", "Jayan Mistry", "Warren Pilz", "Sebastian Townsend"],
            TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    const string Duplicate = "simresults_duplicate.result.info.for.miguel.json";
    static readonly string[] DuplicateClassified =
        ["Jose Lima", "Nuno Macedo", "Mario Leitao", "Miguel Melo", "Fabio Coelho", "Luis Costa", "Antonio Ferreira", "Jose Craveiro", "Jose Vasconcelos", "Joao Afonso"];
    static readonly string[] DuplicateRest = ["bruno Marques", "Joao Barreira", "Miguel Melo", "Miguel Pinto", "Jose Vasconcelos"];

    [Test]
    public async Task Reverse_n_reverses_only_the_top_n_and_empty_rows_are_dropped()
    {
        var race = Race(Duplicate);
        await Assert.That(Names(StartingGrid.Finishing(race))).IsEquivalentTo([.. DuplicateClassified, .. DuplicateRest], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Names(StartingGrid.Finishing(race, 3))).IsEquivalentTo(
            [.. DuplicateClassified[..3].Reverse(), .. DuplicateClassified[3..], .. DuplicateRest], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Names(StartingGrid.Finishing(race, 1))).IsEquivalentTo(Names(StartingGrid.Finishing(race)), TUnit.Assertions.Enums.CollectionOrdering.Matching);
        string[] all = [.. DuplicateClassified.Reverse(), .. DuplicateRest];
        await Assert.That(Names(StartingGrid.Finishing(race, 10))).IsEquivalentTo(all, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Names(StartingGrid.Finishing(race, 500))).IsEquivalentTo(all, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task One_guid_in_two_cars_takes_each_of_its_slots_once_and_empty_slots_go_last()
    {
        var race = Race(Duplicate);
        var places = StartingGrid.Place(StartingGrid.Finishing(race), Slots(EntryListFrom(Duplicate)));
        await Assert.That(places.Select(p => p.Section).ToArray()).IsEquivalentTo(
            ["CAR_10", "CAR_8", "CAR_0", "CAR_20", "CAR_7", "CAR_3", "CAR_4", "CAR_2", "CAR_17", "CAR_6",
             "CAR_1", "CAR_11", "CAR_12", "CAR_5", "CAR_9",
             "CAR_13", "CAR_14", "CAR_15", "CAR_16", "CAR_18", "CAR_19"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(places[15].Driver).IsEqualTo("CAR_13");
        await Assert.That(places[3].Driver).IsEqualTo("Miguel Melo");
    }

    [Test]
    public async Task Missing_drivers_are_left_out_and_unraced_slots_keep_their_order_after_the_matched()
    {
        const string race = "justapenguin_2019_2_15_21_16_RACE.json";
        string text = EntryListFrom(race, keep: car => car.GetProperty("CarId").GetInt32() != 3)
            + "[CAR_9]\nMODEL=rss_formula_rss_4\nDRIVERNAME=New Driver\nGUID=1\n\n[CAR_10]\nMODEL=rss_formula_rss_4\nDRIVERNAME=\nGUID=\n";
        var places = StartingGrid.Place(StartingGrid.Finishing(Race(race), int.MaxValue), Slots(text));
        await Assert.That(places.Select(p => p.Section).ToArray()).IsEquivalentTo(
            ["CAR_0", "CAR_1", "CAR_2", "CAR_4", "CAR_5", "CAR_6", "CAR_7", "CAR_8", "CAR_9", "CAR_10"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(places.Select(p => p.Driver).ToArray()).DoesNotContain("Danny Wilson");
        await Assert.That(places[8].Driver).IsEqualTo("New Driver");
        await Assert.That(places[9].Driver).IsEqualTo("CAR_10");
    }

    [Test]
    public async Task Matching_falls_back_from_guid_to_name_to_car_id()
    {
        const string race = "justapenguin_2019_2_15_21_16_RACE.json";
        // Callum keeps his name but lost his GUID; Joseph's car 1 now has a stranger; Henry moved to CAR_5's number.
        string text = """
            [CAR_0]
            DRIVERNAME=Callum Jones
            GUID=
            [CAR_1]
            DRIVERNAME=Stranger
            GUID=42
            [CAR_2]
            DRIVERNAME=Lee Crossley
            GUID=76561198055388877
            [CAR_3]
            DRIVERNAME=Henry Spencer
            GUID=76561198022717360
            """;
        var places = StartingGrid.Place(StartingGrid.Finishing(Race(race)), Slots(text));
        await Assert.That(places.Select(p => p.Section + ":" + p.Driver).ToArray()).IsEquivalentTo(
            ["CAR_1:Joseph Elton", "CAR_0:Callum Jones", "CAR_3:Henry Spencer", "CAR_2:Lee Crossley"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    [MethodDataSource(nameof(RealResultFiles))]
    public async Task Without_laps_and_events_the_rest_reads_the_same_and_broken_laps_are_still_an_error(string file)
    {
        var full = Race(file);
        var (light, error) = RaceResult.Parse(Bytes(file), lapsAndEvents: false);
        await Assert.That(error).IsNull();
        await Assert.That(light!.Laps).IsNull();
        await Assert.That(light.Events).IsNull();
        await Assert.That(light.Result).IsEquivalentTo(full.Result!, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(light with { Cars = full.Cars, Result = full.Result }).IsEqualTo(full with { Laps = null, Events = null });
        await Assert.That(RaceResult.Parse("""{"Type":"RACE","Laps":[{"LapTime":1,]]}"""u8, lapsAndEvents: false).Error).IsNotNull();
    }
}
