/* Evidence uploads with progress: one request per file, so each stays under the body limit
   and a refused file does not stop the others. Without this script the form posts all files
   at once and the page reloads with the result, which works just as well, only without bars. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function messageOf(xhr) {
    try {
      var data = JSON.parse(xhr.responseText);
      if (data && typeof data.message === "string") { return data.message; }
      if (data && data.error && data.error.message) { return data.error.message; }
    } catch (e) { /* not JSON: the body limit answers in plain text */ }
    if (xhr.status === 413 && xhr.responseText) { return xhr.responseText; }
    if (xhr.status === 0) { return "网络连接中断,文件未上传,请重试"; }
    if (xhr.status === 403) { return "无权操作或页面已过期,请刷新页面后重试"; }
    return "上传失败(HTTP " + xhr.status + "),请刷新页面后重试";
  }

  function sendOne(form, file, withExtras, onProgress) {
    return new Promise(function (resolve) {
      var data = new FormData();
      var fields = form.querySelectorAll("input[name], select[name], textarea[name]");
      for (var i = 0; i < fields.length; i++) {
        var field = fields[i];
        if (field.type === "file") { continue; }
        if (field.name === "link" && !withExtras) { continue; }
        data.append(field.name, field.value);
      }
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      var token = form.querySelector("input[name=csrf_token]");
      if (token) { xhr.setRequestHeader("X-CSRF-Token", token.value); }
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) { onProgress(event.loaded / event.total); }
      };
      xhr.onload = function () {
        resolve({ ok: xhr.status >= 200 && xhr.status < 300, message: messageOf(xhr) });
      };
      xhr.onerror = function () { resolve({ ok: false, message: messageOf(xhr) }); };
      xhr.send(data);
    });
  }

  function enhance(form) {
    var input = form.querySelector("input[type=file][name=files]");
    var panel = form.querySelector(".upload-progress");
    if (!input || !panel || !window.FormData || !window.Promise) { return; }
    form.addEventListener("submit", function (event) {
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length === 0) { return; }  // a link or note alone: the plain form is enough
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      panel.hidden = false;
      panel.textContent = "";
      var total = files.reduce(function (sum, f) { return sum + (f.size || 1); }, 0);
      var overallRow = el("div", "upload-row upload-overall");
      overallRow.appendChild(el("span", "upload-name", "总进度(" + files.length + " 个文件)"));
      var overall = el("progress", "progress");
      overall.max = 1;
      overall.value = 0;
      overallRow.appendChild(overall);
      panel.appendChild(overallRow);
      var rows = files.map(function (file) {
        var row = el("div", "upload-row");
        row.appendChild(el("span", "upload-name", file.name));
        var bar = el("progress", "progress");
        bar.max = 1;
        bar.value = 0;
        row.appendChild(bar);
        var status = el("span", "upload-status", "等待上传");
        row.appendChild(status);
        panel.appendChild(row);
        return { file: file, bar: bar, status: status, row: row };
      });
      var done = 0;
      var failures = 0;
      rows.reduce(function (chain, r, index) {
        return chain.then(function () {
          r.status.textContent = "上传中…";
          return sendOne(form, r.file, index === 0, function (fraction) {
            r.bar.value = fraction;
            overall.value = (done + fraction * (r.file.size || 1)) / total;
          }).then(function (result) {
            done += r.file.size || 1;
            overall.value = done / total;
            r.bar.value = 1;
            r.status.textContent = result.message;
            r.row.classList.add(result.ok ? "upload-ok" : "upload-failed");
            if (!result.ok) { failures += 1; }
          });
        });
      }, Promise.resolve()).then(function () {
        if (failures === 0) {
          // The page confirms the count (a plain form post gets its notice the same way).
          window.location.replace(window.location.pathname + "?uploaded=" + rows.length);
          return;
        }
        var again = el("button", "", "刷新页面查看已上传的材料");
        again.type = "button";
        again.addEventListener("click", function () { window.location.reload(); });
        panel.appendChild(again);
        if (button) { button.disabled = false; }
      });
    });
  }

  var forms = document.querySelectorAll("form[data-upload]");
  for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
})();
