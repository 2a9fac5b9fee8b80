namespace AcWs.Ini;

/// <summary>One [CAR_N] slot of cfg/entry_list.ini; <see cref="All"/> keeps every key, known or not, in file order.</summary>
public sealed record EntrySlot(
    string Section,       // CAR_0
    int Index,            // 0
    string Model,         // MODEL
    string Skin,          // SKIN
    string SpectatorMode, // SPECTATOR_MODE
    string DriverName,    // DRIVERNAME
    string Team,          // TEAM
    string Guid,          // GUID
    string Ballast,       // BALLAST
    string Restrictor,    // RESTRICTOR
    IReadOnlyList<KeyValuePair<string, string>> All);

public static class EntryList
{
    /// <summary>Every [CAR_N] section in file order. A section whose number is not a whole number is a parse error.</summary>
    public static IReadOnlyList<EntrySlot> From(IniDocument ini)
    {
        var slots = new List<EntrySlot>();
        foreach (var section in ini.Sections())
        {
            if (!section.StartsWith("CAR_", StringComparison.OrdinalIgnoreCase)) continue;
            if (!int.TryParse(section.AsSpan(4), System.Globalization.NumberStyles.None, null, out int index))
            {
                throw new IniParseException(ini.Name, ini.LineOf(section), $"[{section}] is not a slot name (expected CAR_0, CAR_1, …)");
            }
            string V(string key) => ini.Get(section, key) ?? "";
            slots.Add(new EntrySlot(section, index, V("MODEL"), V("SKIN"), V("SPECTATOR_MODE"), V("DRIVERNAME"),
                V("TEAM"), V("GUID"), V("BALLAST"), V("RESTRICTOR"), ini.Entries(section)));
        }
        return slots;
    }
}
