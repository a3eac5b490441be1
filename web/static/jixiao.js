/* The report page's edit blocks on demand (docs/decisions/0623).

   The page shows each budget line, indicator and narrative section as a summary whose
   编辑 link asks the server for the page again with that item's forms (?edit=…): without
   this script, that is how the preparer edits. With it, opening an item (or finding it
   open, as an item with return comments is) fetches its edit block from the address in
   its data-edit and puts the block's content in place, the item kept open. A failed fetch
   leaves the summary and its 编辑 link as they were; the next opening tries again. */
(function () {
  "use strict";

  function load(item) {
    if (!item.open || item.dataset.loaded) {
      return;
    }
    item.dataset.loaded = "loading";
    fetch(item.dataset.edit, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("edit block: " + answer.status);
        }
        return answer.text();
      })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var block = holder.content.querySelector("details.item");
        if (!block || block.id !== item.id) {
          throw new Error("edit block: not the item's");
        }
        item.replaceChildren.apply(item, Array.prototype.slice.call(block.childNodes));
        item.open = true;
        item.dataset.loaded = "yes";
      })
      .catch(function () {
        delete item.dataset.loaded;
      });
  }

  document.querySelectorAll("details.item[data-edit]").forEach(function (item) {
    item.addEventListener("toggle", function () {
      load(item);
    });
    load(item);
  });
})();
