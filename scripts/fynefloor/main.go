// Command fynefloor is the smallest Fyne app that looks like ours at rest: one
// 960×640 window titled MISPbump with two tabs holding a label each. It does
// no work of its own, so what it costs idle is Fyne's and the platform's
// (GLFW's 60 Hz event loop, the GL driver, the fonts), the floor that
// `make measure-idle FLOOR=1` reports beside the app (docs/PERFORMANCE-UI.md).
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("app.mispbump.fynefloor")
	w := a.NewWindow("MISPbump")
	w.SetContent(&container.AppTabs{Items: []*container.TabItem{
		{Text: "Partners", Content: &widget.Label{Text: "Partners"}},
		{Text: "MISP", Content: &widget.Label{Text: "MISP"}},
	}})
	w.Resize(fyne.NewSize(960, 640))
	w.CenterOnScreen()
	w.ShowAndRun()
}
