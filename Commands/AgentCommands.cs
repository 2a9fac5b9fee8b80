namespace AcWs.Commands;

/// <summary>Commands about acws itself.</summary>
public static class AgentCommands
{
    /// <summary>Generated from the table, so it lists exactly what is dispatched.</summary>
    public static ValueTask<Reply> Help(Call call)
    {
        var commands = new Dictionary<string, string>();
        foreach (var row in CommandTable.Rows)
            commands[row.Usage] = row.AliasOf is null ? row.Help : $"same as '{row.AliasOf}'";
        return ValueTask.FromResult(Reply.Ok(new HelpData(commands)));
    }

    public static ValueTask<Reply> ShutdownNow(Call call)
    {
        call.Shutdown.Request("shutdown now");
        return ValueTask.FromResult(Reply.Msg("acws shutting down"));
    }
}
