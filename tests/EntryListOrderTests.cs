using System.Text;
using AcWs.Ini;

namespace AcWs.Tests;

/// <summary>EntryListOrder.Reordered refuses what it cannot reorder without losing a block.</summary>
public class EntryListOrderTests
{
    static IniDocument Doc(string text) => IniDocument.Parse(Encoding.UTF8.GetBytes(text), "entry_list.ini");

    [Test]
    public async Task A_car_section_listed_twice_is_refused_by_name()
    {
        var ini = Doc("[CAR_0]\nMODEL=a\n\n[car_0]\nMODEL=b\n");
        await Assert.That(() => EntryListOrder.Reordered(ini, ["CAR_0", "car_0"]))
            .Throws<InvalidOperationException>().WithMessage("entry_list.ini has [CAR_0] more than once; fix the file first");
    }

    [Test]
    public async Task An_order_that_is_not_exactly_the_car_sections_is_refused()
    {
        var ini = Doc("[CAR_0]\nMODEL=a\n\n[CAR_1]\nMODEL=b\n");
        await Assert.That(() => EntryListOrder.Reordered(ini, ["CAR_0", "CAR_0"]))
            .Throws<InvalidOperationException>().WithMessage("the grid does not list exactly the car sections of entry_list.ini");
    }

    [Test]
    public async Task Blocks_move_whole_with_their_comments_and_take_the_numbers_of_their_new_places()
    {
        var ini = Doc("; head\n[CAR_0]\nMODEL=a\n\n; b's note\n[CAR_1]\nMODEL=b\n");
        var text = Encoding.UTF8.GetString(EntryListOrder.Reordered(ini, ["CAR_1", "CAR_0"]).ToBytes());
        await Assert.That(text).IsEqualTo("; b's note\n[CAR_0]\nMODEL=b\n\n; head\n[CAR_1]\nMODEL=a\n");
    }
}
