// Donation intake, made quicker on a phone. The form works the same without this file.
// - a search box above each item list narrows it as you type
// - choosing a perishable item (data-perishable) marks its expiry date as required
// - "+ Add a line" appends a row from the <template> and bumps the formset's TOTAL_FORMS
(function () {
  "use strict";
  var form = document.querySelector("form[data-intake]");
  if (!form) return;
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");
  var maxRows = form.querySelector("input[name$='-MAX_NUM_FORMS']");
  var lines = form.querySelector("[data-lines]");
  var template = form.querySelector("template[data-line-template]");
  var addButton = form.querySelector("[data-add-line]");
  var moreRows = form.querySelector("[data-more-rows]");

  function markExpiry(line) {
    var select = line.querySelector("select[name$='-item']");
    var expiry = line.querySelector("input[name$='-expires_on']");
    var note = line.querySelector(".required-note");
    if (!select || !expiry) return;
    var option = select.options[select.selectedIndex];
    var perishable = Boolean(option && option.hasAttribute("data-perishable"));
    expiry.required = perishable;
    if (note) note.hidden = !perishable;
    line.classList.toggle("perishable", perishable);
  }

  function addSearch(line) {
    var select = line.querySelector("select[name$='-item']");
    if (!select) return;
    var original = select.cloneNode(true);
    var search = document.createElement("input");
    search.type = "search";
    search.className = "item-search";
    search.placeholder = form.dataset.searchLabel || "Search";
    search.setAttribute("aria-label", search.placeholder);
    search.setAttribute("aria-controls", select.id);
    search.autocomplete = "off";
    select.parentNode.insertBefore(search, select);

    // Options are rebuilt rather than hidden: phones ignore hidden <option>s.
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var matches = function (option, group) {
        var text = ((group ? group.label : "") + " " + option.textContent).toLowerCase();
        return words.every(function (word) { return text.indexOf(word) !== -1; });
      };
      select.textContent = "";
      Array.prototype.forEach.call(original.children, function (node) {
        if (node.tagName === "OPTGROUP") {
          var group = node.cloneNode(false);
          Array.prototype.forEach.call(node.children, function (option) {
            if (matches(option, node)) group.appendChild(option.cloneNode(true));
          });
          if (group.children.length) select.appendChild(group);
        } else if (!node.value || matches(node, null)) {
          select.appendChild(node.cloneNode(true));
        }
      });
      select.value = chosen;
      if (select.value !== chosen || (words.length && !chosen)) {
        var first = select.querySelector("option:not([value=''])");
        select.value = first ? first.value : "";
      }
      markExpiry(line);
    });
  }

  function enhance(line) {
    addSearch(line);
    markExpiry(line);
  }

  function addLine() {
    var index = parseInt(total.value, 10);
    if (maxRows && index >= parseInt(maxRows.value, 10)) {
      addButton.disabled = true;
      return;
    }
    var html = template.innerHTML.replace(/__prefix__/g, index).replace(/__n__/g, index + 1);
    lines.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    var line = lines.lastElementChild;
    enhance(line);
    line.querySelector(".item-search").focus();
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches("select[name$='-item']")) markExpiry(event.target.closest(".line"));
  });
  Array.prototype.forEach.call(lines.querySelectorAll(".line"), enhance);
  if (total && template && addButton) {
    addButton.hidden = false;
    addButton.addEventListener("click", addLine);
    if (moreRows) moreRows.hidden = true;
  }
})();
